"""Municipal reporting under /indberetning/ and the secretariat's review pages."""

app_name = "goals"
urlpatterns = []
