from ledger.extensions import db
from ledger.tasks.mail import send_invoice_email  # error: CEL101


class Customer(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(200))


class Invoice(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.ForeignKey("customer.id"))
    total = db.Column(db.Numeric)

    def issue(self) -> None:
        send_invoice_email.delay(self.id)
