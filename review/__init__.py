"""第三方评议平台: intake, screening, panels, scoring, rulings, verdicts and assessments."""
