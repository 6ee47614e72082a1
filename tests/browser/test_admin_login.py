"""Logging in to the back-office (the Django admin) in a real browser."""

from playwright.sync_api import expect


def test_staff_logs_in_to_the_back_office(page, shot, admin_user):
    page.goto("/admin/")
    expect(page).to_have_url("/admin/login/?next=/admin/")
    shot("login-form")

    page.fill("#id_username", "root")
    page.fill("#id_password", "root-password-1")
    page.click("input[type=submit]")

    expect(page).to_have_url("/admin/")
    expect(page.locator("#user-tools")).to_contain_text("root")
    shot("admin-index")


def test_a_wrong_password_stays_on_the_login_form(page, shot, admin_user):
    page.goto("/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "not-the-password")
    page.click("input[type=submit]")

    expect(page.locator(".errornote")).to_be_visible()
    expect(page).to_have_url("/admin/login/")
    shot("login-refused")
    # Still anonymous: the admin sends the visitor back to the login form.
    page.goto("/admin/")
    expect(page).to_have_url("/admin/login/?next=/admin/")
