"""Splitting a prediction run across processes (``accelerate launch``) and merging their outputs.

The input is cut into chunks of ``chunk_size`` reports; chunk ``k`` belongs to process ``k % world``. A chunk
is predicted the same way (same batches) whichever process runs it, so the merged output is byte-identical
to a one-process run. Every input report yields exactly one output line, so the merge needs no ids: it
takes ``chunk_size`` lines from each part in turn.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Shard:
    rank: int = 0
    world: int = 1
    local_world: int = 1
    state: Any = None  # accelerate PartialState when launched with several processes

    def barrier(self) -> None:
        if self.state is not None:
            self.state.wait_for_everyone()

    def total(self, count: int) -> int:
        """Sum of ``count`` over all processes (every process gets it)."""
        if self.state is None:
            return count
        from accelerate.utils import gather_object

        return sum(gather_object([count]))


def current_shard(device: str = "auto") -> Shard:
    """This process's place in an ``accelerate launch``/``torchrun`` group; one process when not launched."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Shard()
    from accelerate import PartialState

    # Processes on CPU talk over gloo; PartialState picks it when told not to use an accelerator.
    state = PartialState(cpu=device == "cpu")
    return Shard(state.process_index, state.num_processes, int(os.environ.get("LOCAL_WORLD_SIZE", "1")), state)


def chunks(items: Iterator[T], size: int) -> Iterator[list[T]]:
    while True:
        chunk = list(itertools.islice(items, size))
        if not chunk:
            return
        yield chunk


def my_chunks(items: Iterator[T], size: int, shard: Shard) -> Iterator[list[T]]:
    """The chunks this process predicts (every process reads the input; each keeps its own chunks)."""
    for k, chunk in enumerate(chunks(items, size)):
        if k % shard.world == shard.rank:
            yield chunk


def shard_dir(output: Path) -> Path:
    return output.with_name(output.name + ".shards")


def part_path(output: Path, shard: Shard) -> Path:
    return shard_dir(output) / f"part-{shard.rank:05d}-of-{shard.world:05d}.jsonl"


def merge_parts(output: Path, world: int, chunk_size: int, target: Path) -> int:
    """Interleave the finished parts chunk by chunk into ``target``; returns the number of lines."""
    parts = [open(shard_dir(output) / f"part-{r:05d}-of-{world:05d}.jsonl", "rb") for r in range(world)]
    n = 0
    try:
        with open(target, "wb") as out:
            for k in itertools.count():
                lines = list(itertools.islice(parts[k % world], chunk_size))
                if not lines:
                    break
                out.writelines(lines)
                n += len(lines)
                if len(lines) < chunk_size:  # only the input's last chunk is short
                    break
            out.flush()
            os.fsync(out.fileno())
        leftover = [r for r, fh in enumerate(parts) if fh.read(1)]
        if leftover:
            raise RuntimeError(f"parts {leftover} hold lines after the last chunk: they come from another run")
    finally:
        for fh in parts:
            fh.close()
    return n
