from flask import Flask

from ledger.extensions import db


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_prefixed_env("LEDGER")
    db.init_app(app)
    from ledger import views

    app.register_blueprint(views.bp)
    return app
