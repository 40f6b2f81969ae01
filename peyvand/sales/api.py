from ninja import Router

router = Router(tags=["Sales"])

from .deal_api import deals_router, pipelines_router  # noqa: E402

router.add_router("/pipelines", pipelines_router)
router.add_router("/deals", deals_router)

from .quote_api import router as quotes_router  # noqa: E402

router.add_router("/quotes", quotes_router)

from .forecast_api import router as forecast_router  # noqa: E402

router.add_router("/forecast", forecast_router)
