"""The SQL of a charge box as REST shows it: its row, its open connection, its links."""

BOX_COLUMNS = """
    b.tenant_id, b.charge_box_id, b.registered_at, b.registration_status,
    b.charge_point_vendor, b.charge_point_model, b.charge_point_serial_number,
    b.charge_box_serial_number, b.firmware_version, b.iccid, b.imsi, b.meter_type,
    b.meter_serial_number, b.heartbeat_interval, b.last_boot_at, b.configured_status,
    b.firmware_status, b.firmware_status_at, b.diagnostics_status, b.diagnostics_status_at,
    b.signed_firmware_status, b.signed_firmware_request_id, b.signed_firmware_status_at,
    b.log_status, b.log_request_id, b.log_status_at, b.security_events,
    b.last_security_event_type, b.last_security_event_at, b.data_transfers,
    b.last_data_transfer_at, b.certificate_requests, b.security_profile,
    b.has_authorization_key, b.refused_handshakes, b.last_refused_at,
    ll.version AS local_list_version,
    ll.synced_at AS local_list_synced_at,
    c.connection_id, c.opened_at AS connected_since, c.remote_address, c.node,
    c.last_message_at, l.connects, l.last_connected_at, l.last_closed_at,
    l.last_close_code, l.last_close_reason, r.last_frame_at, r.clock_skew_seconds,
    r.clock_checked_at
"""

OPEN_CONNECTION = """
    LEFT JOIN LATERAL (
        SELECT connection_id, opened_at, remote_address, node, last_message_at
        FROM rm_connections c
        WHERE c.tenant_id = b.tenant_id AND c.charge_box_id = b.charge_box_id
          AND c.closed_at IS NULL
        ORDER BY opened_at DESC LIMIT 1
    ) c ON true
    LEFT JOIN rm_box_links l
      ON l.tenant_id = b.tenant_id AND l.charge_box_id = b.charge_box_id
    LEFT JOIN LATERAL (
        -- The last frame and the last clock reading, from its few newest connections.
        SELECT max(last_message_at) AS last_frame_at,
               (array_agg(clock_skew_seconds ORDER BY clock_checked_at DESC)
                  FILTER (WHERE clock_checked_at IS NOT NULL))[1] AS clock_skew_seconds,
               max(clock_checked_at) AS clock_checked_at
        FROM (SELECT last_message_at, clock_skew_seconds, clock_checked_at
              FROM rm_connections c
              WHERE c.tenant_id = b.tenant_id AND c.charge_box_id = b.charge_box_id
              ORDER BY opened_at DESC LIMIT 5) recent
    ) r ON true
"""
