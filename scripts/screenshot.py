"""Take the README's screenshot of the real window: run under Xvfb (see README).

    Xvfb :99 -screen 0 1300x820x24 &  DISPLAY=:99 .venv/bin/python scripts/screenshot.py
"""

import asyncio
import subprocess
import sys
from pathlib import Path

import qasync

from ui.application import make_app
from ui.main_window import MainWindow

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshot.png"


async def drive(window: MainWindow, table: str) -> None:
    window.open_sandbox()
    while not window.model.rowCount() or window.model.find_table(0, table) is None \
            or not window.model.find_table(0, table).isValid():
        await asyncio.sleep(0.1)
    index = window.model.find_table(0, table)
    window.tree.setCurrentIndex(index)
    window.tree.expand(index)
    while window.pages.currentWidget() is not window.details:
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    subprocess.run(["import", "-window", "root", str(OUT)], check=True)
    print(OUT)


def main() -> None:
    app = make_app()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow()
    window.move(0, 0)
    window.resize(1300, 820)
    window.show()
    try:
        loop.run_until_complete(drive(window, sys.argv[1] if len(sys.argv) > 1 else "Orders"))
    finally:
        window.shutdown()
        loop.close()


if __name__ == "__main__":
    main()
