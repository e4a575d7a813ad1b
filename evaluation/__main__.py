import sys

from hadath.evaluation.cli import main

sys.exit(main())
