"""Celery and kombu configuration facts read from the installed packages.

GENERATED, do not edit.

Regenerate with ``python scripts/generate_celery_config_data.py``.
"""

from __future__ import annotations

KOMBU_VERSION = "5.7.0"

SETTINGS_READ_ELSEWHERE: tuple[str, ...] = (
    "CELERY_DB_REUSE_MAX",
    "beat_executable",
    "beat_gid",
    "beat_logfile",
    "beat_pidfile",
    "beat_uid",
    "beat_umask",
    "cassandra_secure_bundle_path",
    "events_executable",
    "events_gid",
    "events_logfile",
    "events_pidfile",
    "events_uid",
    "events_umask",
    "gcs_threadpool_maxsize",
    "override_backends",
    "redis_backend_credential_provider",
    "redis_backend_health_check_interval",
    "redis_client_name",
    "result_backend_thread_safe",
    "worker_executable",
    "worker_gid",
    "worker_logfile",
    "worker_pidfile",
    "worker_uid",
    "worker_umask",
)

BACKEND_ALIASES: dict[str, str] = {
    "arangodb": "celery.backends.arangodb:ArangoDbBackend",
    "azureblockblob": "celery.backends.azureblockblob:AzureBlockBlobBackend",
    "cache": "celery.backends.cache:CacheBackend",
    "cassandra": "celery.backends.cassandra:CassandraBackend",
    "consul": "celery.backends.consul:ConsulBackend",
    "cosmosdbsql": "celery.backends.cosmosdbsql:CosmosDBSQLBackend",
    "couchbase": "celery.backends.couchbase:CouchbaseBackend",
    "couchdb": "celery.backends.couchdb:CouchBackend",
    "database": "celery.backends.database:DatabaseBackend",
    "db": "celery.backends.database:DatabaseBackend",
    "disabled": "celery.backends.base:DisabledBackend",
    "dynamodb": "celery.backends.dynamodb:DynamoDBBackend",
    "elasticsearch": "celery.backends.elasticsearch:ElasticsearchBackend",
    "file": "celery.backends.filesystem:FilesystemBackend",
    "gs": "celery.backends.gcs:GCSBackend",
    "mongodb": "celery.backends.mongodb:MongoBackend",
    "redis": "celery.backends.redis:RedisBackend",
    "rediss": "celery.backends.redis:RedisBackend",
    "riak": "celery.backends.riak:RiakBackend",
    "rpc": "celery.backends.rpc.RPCBackend",
    "s3": "celery.backends.s3:S3Backend",
    "sentinel": "celery.backends.redis:SentinelBackend",
}

TRANSPORT_ALIASES: dict[str, str] = {
    "SLMQ": "kombu.transport.SLMQ.Transport",
    "SQS": "kombu.transport.SQS:Transport",
    "amqp": "kombu.transport.pyamqp:Transport",
    "amqps": "kombu.transport.pyamqp:SSLTransport",
    "azureservicebus": "kombu.transport.azureservicebus:Transport",
    "azurestoragequeues": "kombu.transport.azurestoragequeues:Transport",
    "confluentkafka": "kombu.transport.confluentkafka:Transport",
    "consul": "kombu.transport.consul:Transport",
    "etcd": "kombu.transport.etcd:Transport",
    "filesystem": "kombu.transport.filesystem:Transport",
    "gcpubsub": "kombu.transport.gcpubsub:Transport",
    "kafka": "kombu.transport.confluentkafka:Transport",
    "librabbitmq": "kombu.transport.librabbitmq:Transport",
    "memory": "kombu.transport.memory:Transport",
    "mongodb": "kombu.transport.mongodb:Transport",
    "pgmq": "kombu.transport.pgmq:Transport",
    "pyamqp": "kombu.transport.pyamqp:Transport",
    "pyro": "kombu.transport.pyro:Transport",
    "qpid": "kombu.transport.qpid:Transport",
    "redis": "kombu.transport.redis:Transport",
    "rediss": "kombu.transport.redis:Transport",
    "sentinel": "kombu.transport.redis:SentinelTransport",
    "slmq": "kombu.transport.SLMQ.Transport",
    "sqla": "kombu.transport.sqlalchemy:Transport",
    "sqlalchemy": "kombu.transport.sqlalchemy:Transport",
    "sqs": "kombu.transport.SQS:Transport",
    "zookeeper": "kombu.transport.zookeeper:Transport",
}

VISIBILITY_TIMEOUTS: dict[str, int] = {
    "SLMQ": 1800,
    "SQS": 1800,
    "pgmq": 1800,
    "redis": 3600,
    "rediss": 3600,
    "sentinel": 3600,
    "slmq": 1800,
    "sqs": 1800,
}
