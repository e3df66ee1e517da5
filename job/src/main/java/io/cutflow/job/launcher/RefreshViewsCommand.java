package io.cutflow.job.launcher;

import io.cutflow.job.JobArguments;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.views.ViewRefresher;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.TimeUtils;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code bin/cutflow refresh-views --jdbc-url URL [--every DURATION]}: {@link ViewRefresher} from the command line. */
final class RefreshViewsCommand {

    private RefreshViewsCommand() {}

    /** The exit code: 0 refreshed, 1 the database refused, 2 wrong arguments. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Duration every = null;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--every")) {
                if (i + 1 >= args.length) {
                    err.println("cutflow: --every needs a duration (15m, 1h)");
                    return 2;
                }
                every = TimeUtils.parseDuration(args[++i]);
            } else {
                rest.add(args[i]);
            }
        }
        try {
            Configuration config = JobArguments.parse(rest.toArray(String[]::new));
            DatabaseSettings db = DatabaseSettings.from(config);
            if (every == null) {
                ViewRefresher.refreshOnce(db, out);
            } else {
                ViewRefresher.refreshEvery(db, every, out);
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("cutflow: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (Exception e) {
            err.println("cutflow: refresh-views failed: " + e.getMessage());
            return 1;
        }
    }
}
