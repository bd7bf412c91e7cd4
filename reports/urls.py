"""Public pages (goals and progress per region) and the stored PDF status papers."""

app_name = "reports"
urlpatterns = []
