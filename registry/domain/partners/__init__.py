"""What partner departments integrate with: signed status answers, feedback, the change feed."""
