"""hadath.evaluation: span, event and sequence-label scores, and reports people read."""

from hadath.evaluation.cli import compare, evaluate
from hadath.evaluation.metrics import compute_metrics
from hadath.evaluation.scores import PRF, SpanScores, score_spans

__all__ = ["PRF", "SpanScores", "compare", "compute_metrics", "evaluate", "score_spans"]
