"""A `talentflow scheduler` process for the two-process test: the real `start_scheduler`,
with the platform's clock moved forward by TEST_SHIFT_DAYS (so jobs and BPMN timers are due),
running for TEST_RUN_SECONDS. Usage: python scheduler_process.py DATABASE_URL SMTP_PORT"""
from __future__ import annotations

import logging
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from talentflow.scheduler.runner import start_scheduler  # noqa: E402
from talentflow.config import load_config  # noqa: E402
from talentflow.platform import Platform  # noqa: E402

SHIFT = timedelta(days=int(os.environ.get("TEST_SHIFT_DAYS", "0")))


class ShiftedPlatform(Platform):
    def today(self):
        return super().today() + SHIFT

    def now(self):
        return super().now() + SHIFT


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format=f"[{os.getpid()}] %(name)s: %(message)s")
    platform = ShiftedPlatform(load_config({
        "DATABASE_URL": sys.argv[1], "SECRET_KEY": "test", "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": int(sys.argv[2]), "MAIL_FROM": "talentflow@district.test"}))
    scheduler = start_scheduler(platform)
    time.sleep(float(os.environ.get("TEST_RUN_SECONDS", "15")))
    scheduler.shutdown(wait=True)
