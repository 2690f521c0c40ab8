"""The local broker of `pts up`: Knative's Broker/Trigger contract on PostgreSQL.

ingress (POST /broker) queues events durably; the dispatcher pushes each delivery to its
subscriber with retries, backoff, a per-attempt timeout and a dead-letter sink.
"""
