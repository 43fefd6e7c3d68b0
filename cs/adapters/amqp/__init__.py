"""RabbitMQ: the outbox relay that publishes the event log (DESIGN.md section 3.4).

`contract` maps decoded events to outgoing messages (pure); `relay` reads the log in
order and publishes with publisher confirms, at least once (docs/amqp/README.md).
"""
