"""Operations: health and readiness, Prometheus metrics, logs."""
