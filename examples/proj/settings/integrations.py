"""Services the shop talks to in production (star-imported by production.py)."""

import os

# The warehouse system publishes stock movements on its own RabbitMQ.
BROKER_URL = os.environ.get("WAREHOUSE_BROKER_URL", "amqp://warehouse-mq:5672//")  # error: CEL512
WAREHOUSE_EXCHANGE = "stock-movements"
