"""Business-license self-service (证照登记自助服务一体机) for individual businesses."""
