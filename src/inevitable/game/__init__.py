"""The game "play the Opposition": the same engine and experiments, one move at a time."""

from inevitable.game.play import Game, Summary, Turn, game, summary, turn

__all__ = ["Game", "Summary", "Turn", "game", "summary", "turn"]
