"""``hadath-data``: validate report files and print their statistics."""

from __future__ import annotations

import argparse
import sys

from hadath.data.corpus_io import CORPORA, corpus_stats, load_corpus
from hadath.data.errors import DataError
from hadath.data.jsonl import ReadLog, read_reports
from hadath.data.schema import load_schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hadath-data", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    st = sub.add_parser("stats", help="validate and describe a corpus (embedded by name, or JSONL files)")
    st.add_argument("inputs", nargs="*", help="JSONL files; default: the embedded corpus, all splits")
    st.add_argument("--schema", default="conflict-events", help="schema YAML or shipped schema name")
    st.add_argument("--lenient", action="store_true", help="skip bad records (reported) instead of stopping")
    args = parser.parse_args(argv)

    try:
        schema = load_schema(args.schema)
        if not args.inputs:
            for name, (_, splits) in CORPORA.items():
                for split in splits:
                    print(f"== {name} / {split} (embedded, synthetic)")
                    print(corpus_stats(load_corpus(name, split), schema).table(), "\n")
            return 0
        for path in args.inputs:
            log = ReadLog(path)
            stats = corpus_stats(read_reports(path, schema, strict=not args.lenient, log=log), schema)
            print(f"== {path}")
            print(stats.table(), "\n")
            if log.skipped:
                return 1
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
