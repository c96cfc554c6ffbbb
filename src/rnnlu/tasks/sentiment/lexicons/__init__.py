"""Opinion word lists (Hu & Liu 2004) for the word-count baseline; see README.txt."""
