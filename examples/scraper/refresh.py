from scraper.tasks import fetch_page


def fetch_now(url):
    """The admin's "refresh" button waits for a fresh copy of the page."""
    result = fetch_page.delay(url)
    return result.get(timeout=120)  # error@12: CEL510
