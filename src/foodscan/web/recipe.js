// A recipe's result as the page shows it: the title, yield and times, the ingredients with
// their amounts, and the steps.

import { h, terms } from "./dom.js";
import { amountText, keepsText } from "./format.js";

function isoMinutes(duration) {
  // PT1H15M → "1 h 15 min"; anything else as written.
  const found = /^PT(?:(\d+)H)?(?:(\d+)M)?$/.exec(duration || "");
  if (!found) return duration || "";
  return [found[1] && `${found[1]} h`, found[2] && `${found[2]} min`].filter(Boolean).join(" ");
}

export function renderRecipe(result) {
  const times = result.times || {};
  const facts = [
    ["Makes", result.yields],
    ["Preparation", isoMinutes(times.prep)],
    ["Cooking", isoMinutes(times.cook)],
    ["Total time", isoMinutes(times.total)],
  ].filter(([, v]) => v);
  const amount = (i) => amountText(i.quantity, i.quantity_max, i.unit);
  const ingredients = h("ul", { class: "ingredients", "data-field": "ingredients" },
    result.ingredients.map((i) => h("li", {},
      amount(i) ? h("span", { class: "amount" }, amount(i)) : null,
      h("span", { class: "ingredient-name" }, i.name || i.text),
      i.preparation ? h("span", { class: "note" }, `, ${i.preparation}`) : null,
      i.comment ? h("span", { class: "note comment" }, ` (${i.comment})`) : null,
      keepsText(i.keeps) ? h("span", { class: "keeps", "data-field": "keeps",
        title: `FoodKeeper: ${i.keeps.name} (an estimate)` }, ` · keeps: ${keepsText(i.keeps)}`) : null)));
  const steps = h("ol", { class: "recipe-steps", "data-field": "steps" }, result.steps.map((s) => h("li", {}, s)));
  return [
    h("h3", { "data-field": "title" }, result.title || "Recipe"),
    facts.length ? h("dl", { class: "facts" }, terms(facts)) : null,
    h("h4", {}, `Ingredients (${result.ingredients.length})`), ingredients,
    h("h4", {}, "Steps"), steps,
  ];
}
