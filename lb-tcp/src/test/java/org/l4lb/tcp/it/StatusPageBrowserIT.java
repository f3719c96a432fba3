package org.l4lb.tcp.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The status page in a real browser (headless Chromium through Selenium) against the real jar
 * with two services over three servers: what it shows, that it follows the node live, and that
 * the steering it offers with the admin token changes the node, checked through traffic.
 * Skipped where Chromium is not installed, unless {@code L4LB_REQUIRE_BROWSER=1}.
 */
class StatusPageBrowserIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    private static final String TOKEN = "browser-it-token-0815";

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private WebDriver browser;
    private final AtomicBoolean traffic = new AtomicBoolean(true);

    @BeforeEach
    void needsChromium() {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
            String why = "no Chromium here (" + CHROMIUM + " and " + DRIVER + ": apt-get install chromium chromium-driver)";
            if ("1".equals(System.getenv("L4LB_REQUIRE_BROWSER"))) {
                throw new IllegalStateException(why + ", and L4LB_REQUIRE_BROWSER=1");
            }
            Assumptions.abort(why);
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        traffic.set(false);
        if (browser != null) {
            browser.quit();
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T t) {
        open.add(t);
        return t;
    }

    private WebDriver chromium() {
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toString());
        // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600",
                "--no-first-run", "--disable-background-networking", "--disable-component-update");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build();
        return new ChromeDriver(service, o);
    }

    private String attribute(String css, String name) {
        for (int i = 0; i < 5; i++) {
            try {
                List<WebElement> e = browser.findElements(By.cssSelector(css));
                return e.isEmpty() ? null : e.get(0).getAttribute(name);
            } catch (StaleElementReferenceException redrawn) {
                // the page redrew between the look-up and the read: look again
            }
        }
        return null;
    }

    private <T> T await(Duration limit, String what, Function<WebDriver, T> condition) {
        return new WebDriverWait(browser, limit).withMessage(what).ignoring(StaleElementReferenceException.class).until(condition);
    }

    /** Clicks the button, answers the dialogs it opens in order (a prompt's text, or null to accept). */
    private void click(String css, String... answers) {
        await(Duration.ofSeconds(5), "button " + css, d -> {
            d.findElement(By.cssSelector(css)).click();
            return true;
        });
        for (String a : answers) {
            var alert = new WebDriverWait(browser, Duration.ofSeconds(5)).until(ExpectedConditions.alertIsPresent());
            if (a != null) {
                alert.sendKeys(a);
            }
            alert.accept();
        }
    }

    private static int points(WebDriver d, String graph) {
        String p = d.findElement(By.cssSelector("[data-graph='" + graph + "']")).getAttribute("data-points");
        return p == null ? 0 : Integer.parseInt(p);
    }

    /** A node of the pair: HA on loopback with no VIP to move, the two services over the three servers. */
    private static String node(String name, int priority, int bind, int peer, int web, int api, Backend a, Backend b,
            Backend c) {
        return """
                node-name = %s
                admin.token = "%s"
                service-defaults.health-check { interval = 500ms, timeout = 300ms, fall = 1, rise = 1 }
                services.web { listen = ["127.0.0.1:%d"], servers = ["%s", "%s"] }
                services.api { listen = ["127.0.0.1:%d"], servers = ["%s"] }
                ha {
                  enabled = true
                  priority = %d
                  bind = "127.0.0.1:%d"
                  peers = ["127.0.0.1:%d", "127.0.0.1:%d"]
                  secret = "browser-it-secret-0123456789"
                  virtual-ips = ["10.99.9.100/24"]
                  vip-manager = none
                  flow-handoff = false
                  warm-up-connections = 0
                  nice = 0
                  track-services = [api]
                  track-service-weight = -20
                }
                """.formatted(name, TOKEN, web, a.address(), b.address(), api, c.address(), priority, bind, bind, peer);
    }

    @Test
    void thePageShowsFollowsAndSteersTheNode() throws Exception {
        Backend a = keep(Backend.naming("a"));
        Backend b = keep(Backend.naming("b"));
        Backend c = keep(Backend.naming("c"));
        int web = Ports.free();
        int api = Ports.free();
        int cluster1 = Ports.free();
        int cluster2 = Ports.free();
        // The page's node and a standby beside it: the page shows who is master and every member.
        LbProcess lb = keep(LbProcess.start(dir, node("lb1", 150, cluster1, cluster2, web, api, a, b, c)));
        keep(LbProcess.start(dir, node("lb2", 100, cluster2, cluster1, Ports.free(), Ports.free(), a, b, c)));
        String admin = "http://127.0.0.1:" + lb.adminPort;
        Thread load = new Thread(() -> {
            while (traffic.get()) {
                try {
                    Backend.served(web, 5);
                    Backend.served(api, 2);
                    Thread.sleep(20);
                } catch (Exception e) {
                    // a server the test stopped refuses: the load goes on with the others
                }
            }
        }, "page-load");
        load.setDaemon(true);
        load.start();

        browser = chromium();
        browser.get(admin + "/");
        String rowA = "[data-server='web/" + a.address() + "']";
        String rowB = "[data-server='web/" + b.address() + "']";
        String rowC = "[data-server='api/" + c.address() + "']";
        for (String row : List.of(rowA, rowB, rowC)) {
            await(Duration.ofSeconds(10), row + " shown up", d -> "up".equals(attribute(row + " [data-state]", "data-state")));
        }
        assertThat(browser.findElement(By.id("node-facts")).getText()).contains("event loop").contains("up ");
        await(Duration.ofSeconds(20), "lb1 master, lb2 heard as backup", d -> {
            String ha = d.findElement(By.id("ha")).getText();
            return ha.contains("★ MASTER") && ha.contains("lb2") && ha.contains("☆ BACKUP") && ha.contains("10.99.9.100/24");
        });
        assertThat(browser.findElement(By.id("contact")).getText()).contains("live");
        assertThat(browser.findElements(By.cssSelector("[data-action]"))).as("read-only without the token").isEmpty();
        assertThat(browser.findElement(By.id("readonly")).isDisplayed()).isTrue();

        // The graphs get new points while traffic flows.
        int before = await(Duration.ofSeconds(10), "a first point", d -> points(d, "web:new") > 0 ? points(d, "web:new") : null);
        await(Duration.ofSeconds(10), "new points on the graphs", d -> points(d, "web:new") >= before + 2
                && points(d, "api:active") > 0 && points(d, "web:bytes") > 0);

        // A server stopped by the test turns down within 5 s.
        c.stop();
        long stoppedAt = System.nanoTime();
        await(Duration.ofSeconds(5), "api's server shown down", d -> "down".equals(attribute(rowC + " [data-state]", "data-state")));
        System.out.printf("status page: a stopped server shown down after %d ms%n", (System.nanoTime() - stoppedAt) / 1_000_000);
        await(Duration.ofSeconds(5), "what lowered the priority", d -> d.findElement(By.id("ha")).getText()
                .contains("service api: -20"));

        // With the token: steering. A drain clicked on the page drains the server, seen through traffic.
        browser.findElement(By.id("token-input")).sendKeys(TOKEN);
        browser.findElement(By.id("token-save")).click();
        await(Duration.ofSeconds(5), "steering on", d -> d.findElement(By.id("steering")).isDisplayed());
        click(rowA + " [data-action='drain']", (String) null);
        await(Duration.ofSeconds(5), "the API's answer", d -> d.findElement(By.id("answer")).getText().contains("200"));
        await(Duration.ofSeconds(5), "a shown draining", d -> "draining".equals(attribute(rowA + " [data-state]", "data-state")));
        assertThat(Backend.served(web, 20)).as("new connections after the drain").isEqualTo(Map.of("b", 20));

        // A weight with a ramp set on the page is seen moving.
        click(rowB + " [data-action='weight']", "9", "30s", null);
        await(Duration.ofSeconds(5), "the ramp shown", d -> "9".equals(attribute(rowB + " [data-ramp]", "data-ramp")));
        int w1 = Integer.parseInt(attribute(rowB + " [data-weight]", "data-weight"));
        await(Duration.ofSeconds(15), "the weight moving towards 9",
                d -> Integer.parseInt(attribute(rowB + " [data-weight]", "data-weight")) > w1);

        // Events: the server that went down, the admin changes.
        String events = browser.findElement(By.id("events")).getText();
        assertThat(events).contains("health down").contains("admin draining");

        // Under load: the screenshot the README shows.
        Thread.sleep(2500);
        Path shot = Path.of("target/status-page.png");
        Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

        // No console error, and no request to anywhere but the admin address.
        List<String> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage).toList();
        assertThat(errors).as("console errors").isEmpty();
        List<String> urls = new ArrayList<>();
        for (LogEntry e : browser.manage().logs().get(LogType.PERFORMANCE).getAll()) {
            String m = e.getMessage();
            int at = m.indexOf("\"url\":\"");
            if (m.contains("Network.requestWillBeSent") && at >= 0) {
                urls.add(m.substring(at + 7, m.indexOf('"', at + 7)));
            }
        }
        assertThat(urls).as("requests the page made").isNotEmpty()
                .allSatisfy(u -> assertThat(u).startsWith(admin + "/"));

        // Neither the page nor its JSON shows the admin token or the HA secret.
        assertThat(browser.getPageSource()).doesNotContain(TOKEN).doesNotContain("browser-it-secret");
        assertThat(lb.get("/status?since=0")).doesNotContain(TOKEN).doesNotContain("browser-it-secret");

        // A phone's width: nothing wider than the screen but the tables, which scroll in their box.
        browser.manage().window().setSize(new Dimension(390, 844));
        Thread.sleep(500);
        long overflow = (Long) ((JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollWidth - window.innerWidth;");
        assertThat(overflow).as("page wider than a phone's screen, px").isLessThanOrEqualTo(0);

        // The node gone: the page says it lost contact.
        lb.close();
        await(Duration.ofSeconds(10), "lost contact shown", d -> d.findElement(By.id("contact")).getText().contains("lost contact"));
    }
}
