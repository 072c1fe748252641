"""Print the declared dependency floors as exact pins, one per line.

``.ci/run`` installs these into a second environment and runs the suite there,
so each ``>=`` floor in ``pyproject.toml`` (the run-time dependencies and the
``test`` extra) is a version the suite has passed on, not a guess.

    python tools/floor_requirements.py            # numpy==1.23.5, scipy==..., ...
    python tools/floor_requirements.py --check    # fail if a dependency has no floor

Needs only the standard library (Python 3.11+ for ``tomllib``).
"""

import argparse
import pathlib
import re
import sys
import tomllib

PYPROJECT = pathlib.Path(__file__).resolve().parent.parent / "pyproject.toml"
_FLOOR = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*>=\s*([0-9][0-9A-Za-z.]*)\s*$")


def floors(pyproject: pathlib.Path = PYPROJECT) -> list[str]:
    """``name==version`` for each ``name>=version`` in the dependencies and ``test`` extra."""
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["test"]
    pins = []
    for requirement in requirements:
        match = _FLOOR.match(requirement)
        if match is None:
            raise ValueError(
                f"every run-time and test dependency needs a plain `name>=version` floor "
                f"in {pyproject.name}. Received: {requirement!r}"
            )
        pins.append(f"{match[1]}=={match[2]}")
    return pins


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check, print nothing")
    args = parser.parse_args(argv)
    pins = floors()
    if not args.check:
        print("\n".join(pins))
    return 0


if __name__ == "__main__":
    sys.exit(main())
