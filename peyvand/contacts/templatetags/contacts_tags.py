"""{% panel_context ctx %}…{% endpanel_context %}: the names in the dict `ctx` are available
inside the block, so a 360-page panel is rendered with a plain {% include panel.template %} and
sees its own context (from Panel.context) as top-level variables."""

from django import template

register = template.Library()


class PanelContextNode(template.Node):
    def __init__(self, values: template.base.FilterExpression, nodelist: template.NodeList) -> None:
        self.values = values
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        values = self.values.resolve(context) or {}
        with context.push(**values):
            return self.nodelist.render(context)


@register.tag
def panel_context(parser: template.base.Parser, token: template.base.Token) -> PanelContextNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% panel_context %} takes one dict argument.")
    values = parser.compile_filter(bits[1])
    nodelist = parser.parse(("endpanel_context",))
    parser.delete_first_token()
    return PanelContextNode(values, nodelist)
