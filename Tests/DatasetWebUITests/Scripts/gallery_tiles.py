"""Every gallery tile shows a picture, undecodable files included: no <img> ends with
naturalWidth 0 (the browser's broken-image icon).

Usage: gallery_tiles.py BASE_URL
"""
import sys
from playwright.sync_api import sync_playwright

base = sys.argv[1].rstrip("/")
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base + "/?order=path")
    tiles = page.locator(".cell img")
    # Tiles load lazily: bring each into view, then wait until every one has loaded or failed.
    for tile in tiles.all():
        tile.scroll_into_view_if_needed()
    page.wait_for_function("[...document.querySelectorAll('.cell img')].every(i => i.complete)", timeout=30_000)
    names = page.evaluate("[...document.querySelectorAll('.cell img')].map(i => i.alt)")
    broken = page.evaluate("[...document.querySelectorAll('.cell img')].filter(i => i.naturalWidth === 0).map(i => i.alt)")
    browser.close()
if not any(name.startswith("broken/") for name in names):
    sys.exit(f"the gallery shows no undecodable file: {names}")
if broken:
    sys.exit("tiles without a picture: " + ", ".join(broken))
print(f"tiles ok: {len(names)}")
