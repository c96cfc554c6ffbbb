"""rnnlu: read text the way gated recurrent networks do.

The library API mirrors the command line: :func:`rnnlu.tasks.get_task` gives a task,
:func:`rnnlu.registry.load_model` a model, and each command is a plain function in
:mod:`rnnlu.tasks.sentiment.run` that returns data.
"""

__version__ = "0.1.0"
