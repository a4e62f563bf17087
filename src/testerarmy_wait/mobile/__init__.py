"""Mobile builds: judging the app path, zipping an ``.app`` directory, and the presigned
upload of the build to tester.army."""
