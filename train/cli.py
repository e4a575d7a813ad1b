"""``hadath-train CONFIG [-o RUN_DIR] [--resume] [--section.key VALUE ...]``"""

from __future__ import annotations

import argparse
import sys

from hadath.data.errors import DataError
from hadath.train.config import ConfigError, load_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="hadath-train",
        description="Train a hadath event tagger from a YAML config.",
        epilog="Any config key can be overridden: --train.epochs 2 --model.use_crf true",
    )
    parser.add_argument("config", help="YAML config, e.g. configs/default.yaml")
    parser.add_argument("-o", "--output", help="run folder (default: output.dir of the config)")
    parser.add_argument("--resume", action="store_true", help="continue from the run folder's last checkpoint")
    args, overrides = parser.parse_known_args(argv)
    try:
        config = load_config(args.config, overrides)
        from hadath.train.encoders import EncoderUnavailable
        from hadath.train.loop import train

        run = train(config, args.output, resume=args.resume)
    except (ConfigError, DataError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except EncoderUnavailable as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
