import urllib.request

from scraper.worker import app


@app.task(bind=True, time_limit=60, soft_time_limit=60, default_retry_delay=30 * 60)  # error@37: CEL504  # error@57: CEL506
def fetch_page(self, url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode()
    except OSError as exc:
        raise self.retry(exc=exc)
