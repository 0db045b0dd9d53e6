"""Safety-production standardization grades (安全生产标准化): lifecycle from application to end."""
