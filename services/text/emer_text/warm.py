"""Prepare model files that unpack on first use (``python -m emer_text.warm``).

Run at image build time, where the package folder is still writable.
"""

from __future__ import annotations

import logging

from emer_text.backends.nade_backend import nade_data_dir, warm_nade

log = logging.getLogger(__name__)


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    warm_nade()
    log.info("nade models unpacked in %s", nade_data_dir())


if __name__ == "__main__":
    main()
