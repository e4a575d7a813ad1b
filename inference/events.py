"""Events: each trigger with the arguments that belong to it.

Rule (documented and tested): an argument belongs to the triggers of its own sentence. Within a
sentence, ACTOR/LOCATION/TIME/SOURCE attach to EVERY trigger of the sentence (a sentence such as
"clashes broke out in X, killing 3" shares its place and time among its events), while casualty
counts (``count_arguments``) attach only to the nearest trigger before them (the nearest after them
if none precedes), since a count is a result of one event. Arguments of a sentence without a trigger
attach to the nearest trigger of the previous sentence, which is how follow-up sentences ("وأسفر
الهجوم عن…") report casualties and sources. Arguments before any trigger stay unattached.
"""

from __future__ import annotations

from collections.abc import Sequence

from hadath.data.schema import LabelSchema
from hadath.inference.numbers import parse_count
from hadath.inference.results import Argument, Event, PredictedSpan


def assemble_events(
    text: str, spans: Sequence[PredictedSpan], sentences: Sequence[tuple[int, int]], schema: LabelSchema
) -> tuple[Event, ...]:
    triggers = [s for s in spans if schema.is_trigger(s.label)]
    if not triggers:
        return ()

    def sentence_of(span: PredictedSpan) -> int:
        for k, (a, b) in enumerate(sentences):
            if a <= span.start < b:
                return k
        return len(sentences)

    by_sentence: dict[int, list[int]] = {}
    for t, trig in enumerate(triggers):
        by_sentence.setdefault(sentence_of(trig), []).append(t)
    attached: list[list[Argument]] = [[] for _ in triggers]
    for span in spans:
        if schema.is_trigger(span.label) or span.label not in schema.arguments:
            continue
        k = sentence_of(span)
        owners = by_sentence.get(k)
        is_count = span.label in schema.count_arguments
        if not owners:
            earlier = [t for j, ts in by_sentence.items() if j < k for t in ts]
            if not earlier:
                continue
            owners = [earlier[-1]]
        elif is_count:
            before = [t for t in owners if triggers[t].start < span.start]
            owners = [before[-1] if before else owners[0]]
        count = parse_count(span.text) if is_count else None
        arg = Argument(span.label, span.start, span.end, span.text, span.score, count)
        for t in owners:
            attached[t].append(arg)
    return tuple(Event(trig.label, trig, tuple(attached[t])) for t, trig in enumerate(triggers))
