"""hadath.inference: the joint model, its config, and batch prediction with exact offsets."""

from hadath.inference.config import HadathConfig
from hadath.inference.loading import load_model, save_model
from hadath.inference.model import HadathModel
from hadath.inference.numbers import parse_count
from hadath.inference.predictor import Predictor
from hadath.inference.results import (
    Argument,
    Event,
    LabelScore,
    PredictedSpan,
    ReportPrediction,
    SentencePrediction,
)

__all__ = [
    "Argument",
    "Event",
    "HadathConfig",
    "HadathModel",
    "LabelScore",
    "PredictedSpan",
    "Predictor",
    "ReportPrediction",
    "SentencePrediction",
    "load_model",
    "parse_count",
    "save_model",
]
