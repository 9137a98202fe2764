// Drives the /widget page (rasa-webchat from npm) in Debian's headless chromium with
// playwright-core (no browser download). Prints one JSON object with what the page showed;
// tests/server/test_widget_browser.py makes the assertions.
//   node widget_check.cjs <base-url> <chromium> <playwright-core dir> <screenshot.png>
const fs = require("fs");
const os = require("os");
const path = require("path");

const [base, chromiumPath, playwrightDir, screenshot] = process.argv.slice(2);
const { chromium } = require(playwrightDir);
const TIMEOUT = 60000;

async function responses(page) {
  return page.$$eval(".rw-response", (nodes) => nodes.map((n) => n.innerText.trim()));
}

async function waitForResponse(page, needle, after) {
  await page.waitForFunction(
    ([needle, after]) => {
      const texts = Array.from(document.querySelectorAll(".rw-response")).map((n) => n.innerText);
      return texts.slice(after).some((t) => t.includes(needle));
    },
    [needle, after],
    { timeout: TIMEOUT },
  );
  const texts = await responses(page);
  return texts.slice(after).find((t) => t.includes(needle));
}

async function ask(page, text) {
  const before = (await responses(page)).length;
  await page.fill(".rw-new-message", text);
  await page.press(".rw-new-message", "Enter");
  return before;
}

(async () => {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dvc-chromium-"));
  const requests = [];  // {url, outcome: "ok" | the browser's error text}
  const consoleErrors = [];
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  const result = {};
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on("requestfinished", (r) => requests.push({ url: r.url(), outcome: "ok" }));
    page.on("requestfailed", (r) => requests.push({ url: r.url(), outcome: (r.failure() || {}).errorText || "failed" }));
    page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
    await page.goto(`${base}/widget`, { waitUntil: "load" });
    await page.waitForSelector(".rw-new-message", { timeout: TIMEOUT });
    result.greeting = await waitForResponse(page, "Xin chào", 0);

    // a question without a procedure: the bot offers buttons
    let before = await ask(page, "Thủ tục này mất bao lâu?");
    result.menu = await waitForResponse(page, "thủ tục nào", before);
    await page.waitForSelector(".rw-reply", { timeout: TIMEOUT });
    result.buttons = await page.$$eval(".rw-reply", (nodes) => nodes.map((n) => n.innerText.trim()));

    // clicking a button sends its payload; the answer is about that procedure
    before = (await responses(page)).length;
    await page.click(".rw-reply >> text=Hộ chiếu");
    result.afterClick = await waitForResponse(page, "ngày làm việc", before);

    // a typed question gets its answer
    before = await ask(page, "Làm thẻ căn cước mất bao lâu?");
    result.answer = await waitForResponse(page, "căn cước", before);
    result.userMessages = await page.$$eval(".rw-client", (nodes) => nodes.map((n) => n.innerText.trim()));
    await page.screenshot({ path: screenshot, fullPage: true });
  } catch (error) {
    result.error = String(error && error.stack || error);
  } finally {
    result.requests = requests;
    result.consoleErrors = consoleErrors;
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(result) + "\n");
})();
