"""The page's stylesheet (inline in the page): a fluid layout, charts at 100% of its width in one of three drawings, a
phone layout below PHONE_SCREEN px."""

from __future__ import annotations

from .style import FONT, MEDIUM, MEDIUM_SCREEN, MONO, NARROW, NARROW_SCREEN, PHONE_SCREEN, WIDE

CSS = f"""
*, *::before, *::after {{ box-sizing: border-box; }}
[hidden] {{ display: none !important; }}
body {{ font-family: {FONT}; font-size: 15px; color: #1f2328; background: #fff; margin: 0; }}
main {{ max-width: {WIDE + 40}px; margin: 0 auto; padding: 24px 20px 48px; }}
p, .legend, .card-note {{ overflow-wrap: break-word; }}
h1 {{ font-size: 28px; margin: 0 0 4px; }}
h2 {{ font-size: 21px; margin: 36px 0 8px; padding-top: 12px; border-top: 1px solid #e3e6ea; }}
h3 {{ font-size: 16px; margin: 18px 0 4px; color: #444; }}
p {{ line-height: 1.5; margin: 6px 0; }}
.sub {{ color: #555; margin-bottom: 10px; }}
.intro {{ max-width: 900px; }}
nav {{ display: flex; flex-wrap: wrap; gap: 4px 14px; }}
nav a {{ color: #2b5797; text-decoration: none; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; margin: 10px 0 14px; }}
.card {{ border: 1px solid #dde1e6; border-radius: 8px; padding: 10px 14px; background: #fafbfc; min-width: 0; }}
.card.bad {{ border-color: #d33; background: #fff3f3; }}
.card-title {{ font-size: 13px; color: #555; text-transform: uppercase; letter-spacing: .03em; }}
.card-value {{ font-size: 28px; font-weight: 600; margin: 2px 0; }}
.card-note {{ font-size: 13px; color: #555; }}
.card.wide {{ grid-column: span 2; }}
.card-lines {{ font-size: 17px; font-weight: 600; line-height: 1.45; margin: 4px 0 2px; font-variant-numeric: tabular-nums; }}
.legend {{ display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; margin: 6px 0 4px; font-size: 14px; }}
.legend b {{ font-weight: 600; margin-right: 2px; }}
.key {{ display: inline-flex; align-items: center; gap: 6px; }}
i.box {{ display: inline-block; width: 13px; height: 13px; border-radius: 2px; vertical-align: -2px; margin-right: 6px; flex: none; }}
.key i.box {{ margin-right: 0; }}
i.line {{ display: inline-block; width: 26px; border-top: 3px solid; flex: none; }}
i.line.dashed {{ border-top-style: dashed; }}
.how {{ color: #555; font-size: 14px; max-width: 1000px; }}
.note, .empty {{ color: #8a5a00; font-size: 14px; }}
.scroll {{ max-width: 100%; overflow-x: auto; }}
svg.defs {{ position: absolute; width: 0; height: 0; overflow: hidden; }}
svg.chart {{ display: block; width: 100%; height: auto; max-width: {WIDE}px; }}
svg.glyph {{ flex: none; overflow: visible; }}
.figure .medium, .figure .narrow {{ display: none; }}
.figure .medium svg.chart {{ max-width: {MEDIUM * 1.15:.0f}px; }}
.figure .narrow svg.chart {{ max-width: {NARROW * 1.2:.0f}px; }}
@media (max-width: {MEDIUM_SCREEN - 1}px) {{
  .figure .wide {{ display: none; }}
  .figure .medium {{ display: block; }}
}}
@media (max-width: {NARROW_SCREEN - 1}px) {{
  .figure .medium {{ display: none; }}
  .figure .narrow {{ display: block; }}
  .narrow svg .label, .narrow svg .value, .narrow svg .end-label {{ font-size: 14px; }}
  .narrow svg .tick {{ font-size: 13px; }}
}}
svg text {{ font-family: {FONT}; }}
svg .tick {{ font-size: 12px; fill: #555; }}
svg .axis-title {{ font-size: 13px; fill: #333; }}
svg .label {{ font-size: 13px; fill: #222; }}
svg .value {{ font-size: 13px; font-weight: 600; fill: #333; }}
svg .end-label {{ font-size: 13px; font-weight: 700; }}
svg .grid {{ stroke: #e6e8eb; stroke-width: 1; }}
svg .axis {{ stroke: #888; stroke-width: 1; }}
svg .lane {{ stroke: #d0d4d9; stroke-width: 1; }}
.mono {{ font-family: {MONO}; }}
table.small {{ border-collapse: collapse; font-size: 14px; margin: 8px 0; }}
table.small th, table.small td {{ padding: 4px 14px 4px 0; border-bottom: 1px solid #eceef1; text-align: left; }}
table.small .num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
table.figures caption {{ text-align: left; font-size: 13px; color: #555; padding-bottom: 4px; }}
table.figures th[scope="row"] {{ font-weight: normal; }}
table.figures th[scope="rowgroup"] {{ padding-top: 14px; font-size: 13px; color: #555; text-transform: uppercase; letter-spacing: .03em; }}
table.figures thead th:first-child, table.figures th[scope="row"] {{ position: sticky; left: 0; background: #fff; }}
table.figures .of {{ color: #666; font-size: 12px; }}
table.figures td[title] {{ cursor: help; }}
table.delivery th[scope="row"] {{ white-space: nowrap; }}
table.delivery tr.total th, table.delivery tr.total td {{ font-weight: 600; border-bottom: 2px solid #d0d4d9; }}
details {{ margin: 8px 0; }}
details > summary {{ cursor: pointer; color: #2b5797; font-size: 14px; }}
ol.reasons {{ margin: 4px 0 8px; padding-left: 24px; font-size: 14px; line-height: 1.5; }}
ol.reasons .of {{ color: #666; font-size: 12px; }}
.finder {{ display: flex; flex-wrap: wrap; gap: 8px 18px; align-items: center; margin: 12px 0 4px; padding: 10px 12px;
  background: #f3f5f8; border: 1px solid #dde1e6; border-radius: 8px; font-size: 14px; }}
.finder label {{ display: inline-flex; align-items: center; gap: 6px; }}
.finder select, .finder input {{ font: inherit; font-size: 14px; padding: 3px 6px; border: 1px solid #b8bec6; border-radius: 5px;
  background: #fff; min-width: 0; }}
.finder input {{ width: 12em; }}
.finder-count {{ font-size: 14px; color: #444; margin: 8px 0 2px; }}
.pager {{ display: flex; gap: 12px; align-items: center; margin: 6px 0; font-size: 14px; }}
.pager button {{ font: inherit; font-size: 14px; padding: 3px 10px; border: 1px solid #b8bec6; border-radius: 5px; background: #fff;
  cursor: pointer; }}
.pager button:disabled {{ color: #aaa; cursor: default; }}
.tl {{ margin-top: 6px; }}
.tl-list {{ list-style: none; margin: 0; padding: 0; }}
.tl-row, .tl-scale {{ display: grid; grid-template-columns: 290px minmax(0, 1fr); column-gap: 14px; align-items: center;
  padding: 0 10px 0 6px; }}
.tl-row {{ border-top: 1px solid #eceef1; }}
.tl-row:hover {{ background: #f6f7f9; }}
.tl-head {{ display: flex; align-items: center; gap: 8px; font-size: 13px; min-width: 0; white-space: nowrap; }}
.tl-id {{ font-weight: 600; }}
.tl-profile {{ color: #555; }}
.tl-phone {{ color: #666; font-size: 12px; margin-left: auto; }}
.pill {{ display: inline-block; min-width: 52px; padding: 1px 8px; border-radius: 9px; color: #fff; font-size: 11px;
  font-weight: 600; text-align: center; }}
.pill.dark {{ color: #222; }}
svg.tl-lane {{ display: block; overflow: visible; }}
.tl-title {{ text-align: center; font-size: 13px; color: #333; margin: 0 0 4px; }}
footer {{ margin-top: 40px; color: #777; font-size: 13px; }}
@media (max-width: {PHONE_SCREEN}px) {{
  main {{ padding: 16px 14px 40px; }}
  h1 {{ font-size: 24px; }}
  .card.wide {{ grid-column: 1 / -1; }}
  .cards {{ grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); }}
  .tl-row, .tl-scale {{ grid-template-columns: minmax(0, 1fr); padding: 0 6px; }}
  .tl-row {{ padding-top: 6px; }}
  .tl-head {{ flex-wrap: wrap; }}
  .tl-phone {{ margin-left: 0; }}
  .tl-scale .minor {{ display: none; }}
  table.small {{ font-size: 13px; }}
  table.small th, table.small td {{ padding-right: 10px; }}
  .finder label {{ flex: 1 1 100%; }}
  .finder select, .finder input {{ flex: 1; }}
}}
"""
