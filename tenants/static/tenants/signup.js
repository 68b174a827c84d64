/* Sign-up: the time zone starts as the browser's own (a Bristol bakery signing up from Bristol
   gets Europe/London, not the form's default), unless the browser only knows UTC (servers,
   headless browsers) or the form came back with the owner's own choice. */
const select = document.getElementById("id_time_zone");
const form = select && select.closest("form");
if (select && form && !form.dataset.bound) {
  let zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (error) { zone = ""; }
  const known = Array.from(select.options).some((option) => option.value === zone);
  if (known && !/^(Etc\/)?(UTC|GMT|Universal|Zulu)$/.test(zone)) select.value = zone;
}
