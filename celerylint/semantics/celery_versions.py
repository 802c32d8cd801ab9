"""The Celery minor version that introduced each setting newer than 5.0.5.

From the app/defaults.py of the celery wheels 5.0.5, 5.1.2, 5.2.7, 5.3.6, 5.4.0, 5.5.3, 5.6.0, 5.7.0.

GENERATED, do not edit.

Regenerate with ``python scripts/generate_celery_config_data.py --versions``.
"""

from __future__ import annotations

SAMPLED_VERSIONS: tuple[str, ...] = (
    "5.0.5",
    "5.1.2",
    "5.2.7",
    "5.3.6",
    "5.4.0",
    "5.5.3",
    "5.6.0",
    "5.7.0",
)

NEWEST_SAMPLED_KEYS_SHA256 = "ae147d171c14e690b1c882408bf9945582e84e5d5b8a59e359c22dca308f343b"

SETTING_SINCE: dict[str, str] = {
    "azureblockblob_base_path": "5.1",
    "azureblockblob_connection_timeout": "5.2",
    "azureblockblob_read_timeout": "5.2",
    "beat_cron_starting_deadline": "5.3",
    "beat_enable_remote_control": "5.7",
    "beat_remote_control_max_tick_age": "5.7",
    "broker_channel_error_retry": "5.3",
    "broker_connection_retry_on_startup": "5.3",
    "broker_native_delayed_delivery_queue_type": "5.5",
    "broker_pool_acquire_timeout": "5.7",
    "cassandra_bundle_path": "5.3",
    "control_queue_durable": "5.6",
    "control_queue_exclusive": "5.6",
    "database_create_tables_at_setup": "5.5",
    "database_engine_callback": "5.7",
    "event_queue_durable": "5.6",
    "event_queue_exclusive": "5.6",
    "gcs_base_path": "5.4",
    "gcs_bucket": "5.4",
    "gcs_project": "5.4",
    "gcs_ttl": "5.4",
    "redis_username": "5.1",
    "result_chord_expires": "5.7",
    "result_failure_expires": "5.7",
    "security_key_password": "5.3",
    "task_acks_on_failure": "5.7",
    "task_acks_on_timeout": "5.7",
    "task_allow_error_cb_on_chord_header": "5.3",
    "task_create_missing_queue_exchange_type": "5.6",
    "task_create_missing_queue_type": "5.6",
    "task_default_queue_type": "5.5",
    "task_repr_maxlevels": "5.7",
    "task_retry_on_worker_lost": "5.7",
    "task_store_eager_result": "5.1",
    "worker_cancel_long_running_tasks_on_connection_loss": "5.1",
    "worker_deduplicate_successful_tasks": "5.1",
    "worker_detect_quorum_queues": "5.5",
    "worker_disable_prefetch": "5.6",
    "worker_enable_prefetch_count_reduction": "5.4",
    "worker_enable_soft_shutdown_on_idle": "5.5",
    "worker_eta_task_limit": "5.6",
    "worker_log_datefmt": "5.7",
    "worker_pool_start_method": "5.7",
    "worker_soft_shutdown_timeout": "5.5",
    "worker_task_log_datefmt": "5.7",
}
