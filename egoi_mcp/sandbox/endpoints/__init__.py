"""The sandbox's HTTP endpoints, one module per E-goi resource; each exposes `routes`."""
