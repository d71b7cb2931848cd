"""12345 政务服务便民热线 work orders in (``/hotline12345/v1``) and callbacks out."""
