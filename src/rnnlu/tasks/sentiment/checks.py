"""Sentiment behaviour checks: negation, negated negatives, contrast, "neither ... nor ... but".

Templates x word lists, expanded in a fixed order (no randomness), so every run checks the same
items. The expected answers follow the usual reading (and SST's labels): "not bad" is positive,
after "but" the second clause decides.
"""

from __future__ import annotations

from itertools import product

from rnnlu.checks import CheckItem

POSITIVE = ["good", "great", "wonderful", "excellent", "enjoyable", "delightful", "brilliant", "lovely",
            "pleasant", "impressive", "fantastic", "charming"]
NEGATIVE = ["bad", "terrible", "awful", "boring", "dull", "disappointing", "horrible", "poor", "mediocre",
            "unpleasant", "annoying", "dreadful"]
HAPPY = ["happy", "pleased", "satisfied", "impressed", "thrilled", "glad"]
SUBJECTS = ["the movie", "the food", "the service", "the hotel", "this phone", "the flight", "the book",
            "the staff"]
NOUNS = ["hotel", "restaurant", "airline", "phone", "camera", "film"]
SUPERLATIVES = [("best", "largest"), ("cheapest", "newest"), ("biggest", "most famous"), ("fanciest", "oldest")]

DESCRIPTIONS = {
    "plain polarity": "control: 'the food was great' (both methods should pass)",
    "simple negation": "'not good', 'not at all happy', 'never enjoyable': negative",
    "negated negative": "'not bad', 'never boring', 'the food was not terrible': positive",
    "contrast (but)": "'X but Y': the clause after 'but' decides",
    "neither/nor ... but": "'neither the best nor the largest ..., but Y': Y decides",
    "neutral statement": "facts with no opinion, plain or negated ('the shuttle leaves at six', 'the seat is not by the window'): neutral",
    "late negation": "an expectation, then a bare negation that turns it ('I expected a rude crew, but they were not'): the negated expectation's opposite",
    "negation across filler": "the negator far from the opinion word ('I do not think, all things considered, that the room was clean'): negative of the opinion",
    "whose opinion": "others' opinion reported, then the writer's own ('my friends loved it, but I found it dull'): the writer's decides",
    "used to": "'used to be X, but now it is Y': Y decides; 'used to be X' alone: no longer X",
    "denied claim": "an opinion denied from outside its clause, in frames no augmentation uses ('it would be a stretch to say the crew was friendly'): its opposite",
}

# The kinds below were added (session 7) before any model was run on them, from sentence patterns that
# no training augmentation produces; they were never used to choose or train a model.
FACTS = ["the shuttle leaves at six", "the hotel is on the corner of main street", "my order arrived on tuesday",
         "the meeting starts at noon", "the store opens at nine on weekdays", "the train stops at four stations",
         "our flight was moved to gate twelve", "the menu lists three soups", "the package weighs two pounds",
         "the museum is closed on mondays", "she booked a window seat", "the bill came to forty dollars"]
NEGATED_FACTS = ["the seat is not by the window", "the flight does not stop in denver", "the hotel has no pool",
                 "the shop is not open on sundays", "we did not take the bus", "the room is not on the top floor",
                 "the price does not include breakfast", "he did not order dessert"]
EXPECT = [("I expected the crew to be rude", "they were not", "positive"),
          ("I thought the room would be dirty", "it was not", "positive"),
          ("everyone warned me the food would be awful", "it wasn't", "positive"),
          ("I was sure the staff would be unhelpful", "they were not", "positive"),
          ("I expected the concert to be amazing", "it was not", "negative"),
          ("I thought the hotel would be comfortable", "it wasn't", "negative"),
          ("the ads promised a delicious meal", "it was not", "negative"),
          ("I hoped the seats would be roomy", "they weren't", "negative"),
          ("my sister said the tour would be exhausting", "it was not", "positive"),
          ("I feared the landing would be rough", "it wasn't", "positive"),
          ("we assumed the beach would be beautiful", "it was not", "negative"),
          ("the brochure said the views were stunning", "they were not", "negative")]
FILLERS = ["given the weather and everything", "all things considered", "after all that happened that week",
           "to be completely honest with you", "looking back on the whole trip"]
OPINIONS = [("the crew was friendly", "negative"), ("the room was clean", "negative"),
            ("the food was worth the price", "negative"), ("the staff were rude", "positive"),
            ("the seats were uncomfortable", "positive"), ("the wait was terrible", "positive"),
            ("the pilot did a good job", "negative"), ("the lounge was comfortable", "negative"),
            ("the check-in was a nightmare", "positive"), ("the pasta was disgusting", "positive")]
NEGATORS = ["I don't think", "I wouldn't say", "I can't honestly say", "I do not believe"]
REPORTED_LINKS = ["{a}, but {b}", "{a}. Personally, {b}", "{a}; as for me, {b}", "{a}, yet {b}", "{a}. Still, {b}"]
REPORTED = [("some people say it was great", "I think it was awful", "negative"),
            ("my friends loved the show", "I found it tedious", "negative"),
            ("the critics praised the hotel", "we were miserable there", "negative"),
            ("reviewers called the food superb", "honestly it tasted bland", "negative"),
            ("my brother hated the trip", "I had a wonderful time", "positive"),
            ("online reviews said the airline was awful", "our flight was smooth and pleasant", "positive"),
            ("people told me the staff were rude", "they treated us kindly", "positive"),
            ("the papers called it a disaster", "I enjoyed every minute", "positive")]
USED_TO = [("the service", "terrible", "excellent", "positive"), ("this airline", "reliable", "a mess", "negative"),
           ("the coffee here", "awful", "really good", "positive"), ("the park", "beautiful", "filthy", "negative"),
           ("the show", "boring", "gripping", "positive"), ("the hotel", "charming", "run down", "negative"),
           ("the bakery", "overpriced", "a bargain", "positive"), ("the gym", "spotless", "grimy", "negative"),
           ("the website", "confusing", "easy to use", "positive"), ("the bus line", "punctual", "always late", "negative")]
USED_TO_LINKS = ["{s} used to be {before}, but now it is {now}", "{s} used to be {before}; these days it is {now}",
                 "years ago {s} was {before}, but now it is {now}", "{s} was once {before}, but today it is {now}"]
FACT_FRAMES = ["{}", "according to the email, {}"]

# Added in session 10, before the model trained with --augment-negated-claims existed, in frames that
# neither that augmentation nor "negation across filler" uses; never used to train or choose a model.
DENIALS = ["it would be a stretch to say that {}", "there is no way {}", "I am not convinced that {}",
           "hardly anyone would claim that {}", "I would not go so far as to say that {}",
           "it is simply not the case that {}"]
DENIED = [("the cabin crew was attentive", "negative"), ("the legroom was generous", "negative"),
          ("the boarding went smoothly", "negative"), ("the in-flight meal was tasty", "negative"),
          ("the upgrade was worth the money", "negative"), ("the gate agent was helpful", "negative"),
          ("the delay was a disaster", "positive"), ("the staff were rude to us", "positive"),
          ("the blankets were filthy", "positive"), ("the announcements were annoying", "positive")]


def _pick(items: list, step: int, count: int) -> list:
    """Every ``step``-th item (wrapping): a spread-out, repeatable sample of a long product."""
    return [items[(i * step) % len(items)] for i in range(min(count, len(items)))]


def sentiment_checks() -> list[CheckItem]:
    out: list[CheckItem] = []
    pairs = list(product(SUBJECTS, range(len(POSITIVE))))
    for subj, i in _pick(pairs, 7, 24):
        be = "is" if subj.startswith("this") else "was"
        out.append(CheckItem("plain polarity", f"{subj} {be} {POSITIVE[i]}", "positive"))
        out.append(CheckItem("plain polarity", f"{subj} {be} {NEGATIVE[i]}", "negative"))
    for i, word in enumerate(POSITIVE):
        subj = SUBJECTS[i % len(SUBJECTS)]
        be = "is" if subj.startswith("this") else "was"
        out += [CheckItem("simple negation", f"not {word}", "negative"),
                CheckItem("simple negation", f"{subj} {be} not {word}", "negative"),
                CheckItem("simple negation", f"{subj} {be} not at all {word}", "negative"),
                CheckItem("simple negation", f"it was never {word}", "negative")]
    for feeling in HAPPY:
        out += [CheckItem("simple negation", f"I am not at all {feeling}", "negative"),
                CheckItem("simple negation", f"we were not {feeling} with it", "negative")]
    for i, word in enumerate(NEGATIVE):
        subj = SUBJECTS[(i + 3) % len(SUBJECTS)]
        be = "is" if subj.startswith("this") else "was"
        out += [CheckItem("negated negative", f"not {word}", "positive"),
                CheckItem("negated negative", f"never {word}", "positive"),
                CheckItem("negated negative", f"{subj} {be} not {word} at all", "positive"),
                CheckItem("negated negative", f"{subj} {be} never {word}", "positive")]
    clauses = list(product(SUBJECTS, range(len(POSITIVE))))
    for n, (subj, i) in enumerate(_pick(clauses, 5, 30)):
        other = SUBJECTS[(SUBJECTS.index(subj) + 1 + n % 3) % len(SUBJECTS)]
        be1 = "is" if subj.startswith("this") else "was"
        be2 = "is" if other.startswith("this") else "was"
        pos, neg = POSITIVE[i], NEGATIVE[(i + n) % len(NEGATIVE)]
        out += [CheckItem("contrast (but)", f"{subj} {be1} {pos} but {other} {be2} {neg}", "negative"),
                CheckItem("contrast (but)", f"{subj} {be1} {neg} but {other} {be2} {pos}", "positive")]
    for n, ((sup1, sup2), noun) in enumerate(product(SUPERLATIVES, NOUNS)):
        pos, neg = POSITIVE[n % len(POSITIVE)], NEGATIVE[(n + 5) % len(NEGATIVE)]
        lead = f"it is neither the {sup1} nor the {sup2} {noun} in town, but"
        out += [CheckItem("neither/nor ... but", f"{lead} the quality of service I get is {pos}", "positive"),
                CheckItem("neither/nor ... but", f"{lead} the quality of service I get is {neg}", "negative")]
    out += [CheckItem("neutral statement", frame.format(text), "neutral")
            for frame in FACT_FRAMES for text in FACTS + NEGATED_FACTS]
    for expectation, turn, label in EXPECT:
        out += [CheckItem("late negation", f"{expectation}, but {turn}", label),
                CheckItem("late negation", f"{expectation}. In the end {turn}.", label),
                CheckItem("late negation", f"{expectation}. Turns out {turn}.", label),
                CheckItem("late negation", f"{expectation}; {turn}", label)]
    for n, (opinion, label) in enumerate(OPINIONS):
        for k in range(4):
            negator, filler = NEGATORS[(n + k) % len(NEGATORS)], FILLERS[(n + 2 * k) % len(FILLERS)]
            out.append(CheckItem("negation across filler", f"{negator}, {filler}, that {opinion}", label))
    for others, own, label in REPORTED:
        out += [CheckItem("whose opinion", link.format(a=others, b=own), label) for link in REPORTED_LINKS]
    for subject, before, now, label in USED_TO:
        out += [CheckItem("used to", link.format(s=subject, before=before, now=now), label) for link in USED_TO_LINKS]
        if label == "negative":  # "used to be good" alone: it no longer is
            out.append(CheckItem("used to", f"{subject} used to be {before}", "negative"))
    for n, (claim, label) in enumerate(DENIED):
        for k in range(4):
            out.append(CheckItem("denied claim", DENIALS[(n + k) % len(DENIALS)].format(claim), label))
    return out
