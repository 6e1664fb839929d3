"""Token prices per model (USD per million tokens), read from a YAML price table.

`evals/prices.yaml` ships the defaults; `--prices FILE` replaces it. A model missing from the
table has an unknown cost (null in the JSON, "unknown" in the reports) and is never stopped by
`--max-cost`; the offline template costs nothing.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from agent.offline import OFFLINE_AUTHOR
from evals.results import Usage

PRICES_FILE = Path(__file__).parent / "prices.yaml"


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input_per_million: float
    output_per_million: float


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: dict[str, Price] = {}

    def cost(self, model: str, usage: Usage) -> float | None:
        if model == OFFLINE_AUTHOR:
            return 0.0
        price = self.models.get(model)
        if price is None:
            return None
        return (
            usage.input_tokens * price.input_per_million
            + usage.output_tokens * price.output_per_million
        ) / 1_000_000

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {name: price.model_dump() for name, price in self.models.items()}


def load_prices(path: Path = PRICES_FILE) -> PriceTable:
    """The price table in `path`; a bad file raises ValueError naming it."""
    try:
        return PriceTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise ValueError(f"{path}: not a price table ({error})") from None
