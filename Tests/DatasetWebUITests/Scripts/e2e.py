"""End-to-end test of `imgeda serve` in Chromium (Playwright, Debian's browser, nothing downloaded).

Usage: e2e.py BASE_URL
Walks what a person does: gallery, search by tag, open an image and add a tag, reload and see
it kept, resolve a duplicate group by keyboard and find the other copy in the trash, restore
it, start a job and watch its progress reach 100% over server-sent events, cancel another.
Fails on any page error, console error or dialog (a hostile name that ran as script).
"""
import os
import shutil
import sys
from playwright.sync_api import sync_playwright, expect

base = sys.argv[1].rstrip("/")
problems = []

with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(f"console: {m.text} {m.location}") if m.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    expect.set_options(timeout=30_000)

    # Gallery.
    page.goto(base + "/")
    expect(page.locator(".cell")).to_have_count(9)

    # Open an image, add a tag with the keyboard, reload: it is kept.
    page.locator('.cell[title="2023/beach/img_0002.jpg"]').click()
    expect(page.locator("h1")).to_have_text("img_0002.jpg")
    expect(page.locator("body[data-ready=yes]")).to_have_count(1)  # the page's keys are live
    page.keyboard.press("t")
    page.locator("#new-tag").fill("golden-hour")
    page.locator("#new-tag").press("Enter")
    expect(page.locator("#tags .tag")).to_have_text(["golden-hour"])
    page.reload()
    expect(page.locator("#tags .tag")).to_have_text(["golden-hour"])

    # A direct link to an image, in a fresh browser context (no gallery seen there): the page
    # still knows its neighbours in the order its address names, and the arrow keys follow them.
    image_id = page.locator('#image').get_attribute("data-id")
    direct = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    direct.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    direct.goto(base + "/image/" + image_id + "?order=path")
    for key, name in [("ArrowRight", "img_0003.jpg"), ("ArrowLeft", "img_0002.jpg"), ("ArrowLeft", "img_0001.jpg")]:
        expect(direct.locator("body[data-ready=yes]")).to_have_count(1)
        direct.keyboard.press(key)
        expect(direct.locator("h1")).to_have_text(name)
    expect(direct.locator("#back")).to_have_attribute("href", "/?order=path")
    direct.goto(base + "/?order=size")
    expect(direct.locator(".cell")).to_have_count(9)
    expect(direct.locator('select[name="order"]')).to_have_value("size")
    direct.context.close()

    # Search by that tag in the gallery.
    page.goto(base + "/")
    page.locator("#q").fill("tag:golden-hour")
    page.locator("#q").press("Enter")
    expect(page.locator(".cell")).to_have_count(1)
    expect(page.locator(".cell .name")).to_have_text("2023/beach/img_0002.jpg")

    # Duplicates: keep the suggested keeper with the keyboard; the other copy goes to the trash.
    page.goto(base + "/duplicates")
    expect(page.locator(".member")).to_have_count(2)
    first = page.locator(".member .facts td").first.text_content()
    other = page.locator(".member").nth(1).locator(".facts td").first.text_content()
    page.keyboard.press("1")
    expect(page.locator("#group .empty")).to_be_visible()
    page.goto(base + "/trash")
    expect(page.locator(".pick")).to_have_count(1)
    expect(page.locator(".trash label")).to_contain_text(other)

    # Restore it.
    page.locator(".pick").check()
    page.locator("#restore").click()
    expect(page.locator(".pick")).to_have_count(0)
    page.goto(base + "/trash")
    expect(page.locator(".empty")).to_be_visible()

    # Jobs: a job's live progress reaches 100% through SSE; a second, queued one is cancelled.
    page.goto(base + "/jobs")
    expect(page.locator("body[data-live=yes]")).to_have_count(1)
    # A new file, so the update job has an image to analyse (slowed by the test) while the
    # thumbnails job waits behind it to be cancelled.
    shutil.copyfile("photos/2023/beach/" + sorted(os.listdir("photos/2023/beach"))[0], "photos/2023/beach/added.jpg")
    page.locator('.start[data-kind="update"]').click()
    page.locator('.start[data-kind="thumbnails"]').click()
    queued = page.locator('#jobs tr[data-status="queued"], #jobs tr[data-status="running"]').filter(has_text="thumbnails")
    queued.locator(".cancel").click()
    expect(page.locator("#jobs tr", has_text="thumbnails").locator(".status")).to_have_text("cancelled")
    done = page.locator('#jobs tr[data-status="done"]', has_text="update")
    expect(done.first).to_have_attribute("data-percent", "100", timeout=120_000)

    # Every page renders without a script error.
    for path in ["/", "/duplicates", "/trash", "/overview", "/jobs"]:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    browser.close()

if problems:
    print("\n".join(problems))
    sys.exit(1)
print("e2e ok; kept", first)
