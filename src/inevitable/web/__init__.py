"""The local web application: explorer, verdicts and the game, over the same experiments."""
