from ledger import create_app
from ledger.celery_app import make_celery

flask_app = create_app()
celery = make_celery(flask_app)
