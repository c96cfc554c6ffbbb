"""The coin-mention data set (``rnnlu tag --scheme coin``): aliases, hand labels, builder, baseline."""
