"""How a message leaves the platform: SMTP (email), Slack (Web API or incoming webhook), Teams
(incoming webhook). Each sender reports an `Attempt` and never raises for a delivery's failure."""
