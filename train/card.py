"""The model card (README.md) written into every model folder."""

from __future__ import annotations

import json

from hadath.train.config import Config, dump_config

SYNTHETIC_NOTE = (
    "- The embedded conflict-event corpus is SYNTHETIC: original texts written for hadath in the style of Arabic "
    "wire services; places and organisations are real, every event, figure and name is invented. Scores on it say "
    "nothing about real reports."
)


def model_card(config: Config, metrics: dict, data_stats: str) -> str:
    d = config.data
    synthetic = d.train.format == "corpus"
    return f"""# hadath event tagger

Joint Arabic event tagger trained with hadath: word-level BIO tags for event triggers (typed by event
type) and arguments, plus multi-label event types per sentence and report.

## Data
- Train: {d.train}
- Dev: {d.dev}
- Schema: {d.schema}
{SYNTHETIC_NOTE if synthetic else ""}

Windows and sub-tokens: {data_stats}

## Metrics (dev, strict spans)
```json
{json.dumps(metrics, indent=2)}
```

## Intended use
Pre-annotating and coding Arabic conflict reports (who did what, where, when, how many killed) for
analysts who review the output. Not for automated decisions about people. Counts are parsed from the
predicted text and must be checked against the source.

## Use
```python
from hadath.inference import Predictor
predictor = Predictor.from_pretrained("path/to/this/folder")
predictor.predict(["..."])[0].events
```

## Training config
```yaml
{dump_config(config)}```
"""
