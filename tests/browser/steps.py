"""Steps the browser tests share."""

from __future__ import annotations

from playwright.sync_api import expect


def log_in(page, username: str, password: str) -> None:
    """Sign in through the back-office's login form and land on its index."""
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    expect(page).to_have_url("/admin/")
