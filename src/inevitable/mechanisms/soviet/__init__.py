"""The flagship model: the Soviet party-state and the Opposition, 1923-1929.

One module per mechanism; the scenario ``soviet-1923`` lists them in their
step order: people, economy, international, strategy, coalitions, party,
mobilisation, repression, cadre, policy, outcomes.
"""

from inevitable.engine.registry import register_runner
from inevitable.mechanisms.soviet import (
    batch,
    cadre,
    coalitions,
    economy,
    international,
    mobilisation,
    outcomes,
    party,
    people,
    policy,
    repression,
    strategy,
)

register_runner(batch.ORDER, batch.run)

__all__ = ["batch", "cadre", "coalitions", "economy", "international", "mobilisation", "outcomes",
           "party", "people", "policy", "repression", "strategy"]
