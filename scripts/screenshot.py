"""Take the README's screenshot of the real window: run under Xvfb (see README).

    Xvfb :99 -screen 0 1300x820x24 &
    DISPLAY=:99 .venv/bin/python scripts/screenshot.py Orders          # docs/screenshot.png
    DISPLAY=:99 .venv/bin/python scripts/screenshot.py Orders items    # the Items tab
"""

import asyncio
import subprocess
import sys
from pathlib import Path

import qasync

from ui.application import make_app
from ui.main_window import MainWindow

DOCS = Path(__file__).resolve().parent.parent / "docs"


async def drive(window: MainWindow, table: str, items: bool) -> None:
    window.open_sandbox()
    while not window.model.rowCount() or window.model.find_table(0, table) is None \
            or not window.model.find_table(0, table).isValid():
        await asyncio.sleep(0.1)
    index = window.model.find_table(0, table)
    window.tree.setCurrentIndex(index)
    window.tree.expand(index)
    while window.pages.currentWidget() is not window.table_tabs:
        await asyncio.sleep(0.1)
    if items:
        window.show_items()
        b = window.builder
        b.query_radio.setChecked(True)
        b.pk_value.setText("user-0001")
        b.descending.setChecked(True)
        b.add_filter("status", "in", "PAID, SHIPPED, DELIVERED", "S")
        b.run()
        while window.results.busy or not window.results.ledger.rowCount():
            await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    out = DOCS / ("screenshot-items.png" if items else "screenshot.png")
    subprocess.run(["import", "-window", "root", str(out)], check=True)
    print(out)


def main() -> None:
    app = make_app()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow()
    window.move(0, 0)
    window.resize(1300, 820)
    window.show()
    try:
        table = sys.argv[1] if len(sys.argv) > 1 else "Orders"
        loop.run_until_complete(drive(window, table, "items" in sys.argv[2:]))
    finally:
        window.shutdown()
        loop.close()


if __name__ == "__main__":
    main()
