"""Screenshots of every page of `imgeda serve`, for the README (`make screenshots`).

Usage: screenshots.py IMGEDA OUT_DIR WORK_DIR
Makes the example dataset into a library in WORK_DIR, tags two pictures, serves it on a free
port of 127.0.0.1 and writes serve-gallery.png, serve-image.png, serve-duplicates.png,
serve-search.png, serve-trash.png, serve-overview.png and serve-jobs.png into OUT_DIR. The
gallery is sorted by path, so the undecodable files of `broken/` come first, each shown by its
"cannot decode" placeholder tile; the search is a `path:` prefix.
"""
import os
import subprocess
import sys
from urllib.parse import quote
from playwright.sync_api import sync_playwright

imgeda, out, work = (os.path.abspath(a) for a in sys.argv[1:4])
library = os.path.join(work, "library")
if not os.path.exists(library):
    subprocess.run([imgeda, "example", library], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([imgeda, "library", "init", library, "--quiet"], check=True)
    subprocess.run([imgeda, "tag", library, "add", "beach", "place:Lisbon", "--search", "path:*scene_1"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([imgeda, "tag", library, "caption", "Waves at dusk", "--search", "path:*scene_1"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([imgeda, "library", "trash", library, os.path.join(library, "problems", "dark.jpg")], check=True, stdout=subprocess.DEVNULL)
server = subprocess.Popen([imgeda, "serve", library, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    line = ""
    while not line.startswith("Serving "):
        line = server.stdout.readline()
        if not line and server.poll() is not None:
            sys.exit("imgeda serve did not start")
    base = line.split(" at ")[1].strip().rstrip("/")
    os.makedirs(out, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(base + "/?order=path")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=os.path.join(out, "serve-gallery.png"))
        page.goto(base + "/?order=path&q=" + quote("path:problems/"))
        page.wait_for_load_state("networkidle")
        page.screenshot(path=os.path.join(out, "serve-search.png"))
        page.goto(base + "/?order=path")
        page.wait_for_load_state("networkidle")
        page.locator('.cell[title="scene_1.jpg"]').click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=os.path.join(out, "serve-image.png"))
        for name in ["duplicates", "trash", "overview"]:
            page.goto(f"{base}/{name}")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=os.path.join(out, f"serve-{name}.png"))
        page.goto(base + "/jobs")
        page.locator('.start[data-kind="thumbnails"]').click()
        page.locator('.start[data-kind="update"]').click()
        page.wait_for_selector('#jobs tr[data-status="done"]', timeout=60_000)
        page.screenshot(path=os.path.join(out, "serve-jobs.png"))
        browser.close()
finally:
    server.terminate()
    server.wait(timeout=60)
